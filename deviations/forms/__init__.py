"""Forms of deviations, one module per page group (as in `deviations.views`)."""
