"""Coding of open-text answers: a code book per text question (codes such as «Horario» or «Trato del
personal»), the codes staff assign to each answer, and the counts per code beside the closed questions'.

It sits beside surveys.uploads in the inner layers (over the base modules only), so that the summaries of
surveys.responses can show the counts per code."""
