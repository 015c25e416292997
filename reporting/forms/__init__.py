"""Forms of the annual self-report, one module per page group (as in `reporting.views`)."""
