"""Background work: the Redis connection, RQ queues, the worker and the scheduler."""
