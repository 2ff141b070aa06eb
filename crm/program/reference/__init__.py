"""Reference figures of a program year: the context the program document cites (registered voters per
alcaldía, voter credentials delivered abroad per country), loaded from a file or built in for 2025."""
