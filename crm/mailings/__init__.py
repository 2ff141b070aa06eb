"""Mailings to the networks (issue 16): segments, composition, delivery that survives faults, bounces,
one-click unsubscribe, and the count of mailings as realized dissemination activities.

At the layer of crm.events: it uses contacts (the rule of who may be e-mailed, in
crm.contacts.privacy.consent) and the program (action lines); surveys use its segments and unsubscribe
links; the indicators count its mailings (crm.indicators.realized).
"""
