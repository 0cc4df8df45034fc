"""The long parts of pages, one module each: a stored run (:mod:`~dash_app.panels.run`), the scenario form
(:mod:`~dash_app.panels.scenario_form`) and a comparison of runs (:mod:`~dash_app.panels.comparison`).

A panel takes what a service returned and the page's language and returns Dash components; it calls no service and
registers no callback, so a page file holds only its layout and callbacks.
"""
