"""Saved filters of the people list: a name for a set of the list's filters (network, text, country, tag...),
reused on the list and as the mailing segment `filtro:NOMBRE`. The parameters are the list's own query-string
names, validated against crm.contacts.search.PeopleFilter.ARGS; who they select is always computed by the
list's query code (crm.contacts.search.filtered), never by a second implementation."""
