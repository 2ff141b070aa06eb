"""Domain errors raised by services; views and commands turn them into messages."""


class DomainError(Exception):
    """A rule was broken; the message is Spanish and meant for the user."""


class ImportProblems(DomainError):
    """An import file has problems; nothing was written. `problems` are ready-made lines."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problema(s) en el archivo")
        self.problems = problems
