"""Each person's to-do list (每日待办): the app's ranking and hints, follow-ups."""
