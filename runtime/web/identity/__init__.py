"""The identity pages of a form (issue 10), for whoever may update its records: the review
queue of pairs a review rule flagged (``review``) and the merge history with undo
(``history``). The work is ``runtime.identity``'s; these modules speak HTML around it."""
