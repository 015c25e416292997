"""Pages of deviations, one module per page group:

- `report`: reporting (fast, on a phone), the reporter's own reports, the receipt-code lookup
- `cases`: the case list, a case and its handling, overdue cases, exports
- `statistics`: statistics and the injury register
- `lessons`: the lessons learned that handlers share
"""
