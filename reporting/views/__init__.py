"""Pages of the annual self-report, one module per page group:

- `answering`: the response form a unit's leader and safety rep fill in together
- `results`: results per year (NTNU, level-2 units, a unit against NTNU), exports, feedback
- `rounds`: the reporting round (opening, deadline, reminders) and its response rates
- `editor`: questionnaires built and edited by HSE staff
"""
