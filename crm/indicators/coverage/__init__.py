"""Coverage: the networks' members set against the program's reference figures (counts only, no person)."""
