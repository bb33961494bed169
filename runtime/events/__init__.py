"""Record events: every record write becomes an event row in the write's transaction (an
outbox); consumers registered in the app factory receive them, synchronously inside the write
or as RQ jobs that take event ids, once per (consumer, event), in record order."""
