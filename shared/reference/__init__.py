"""Reference data every service reads: the procedure catalogue, administrative units, centres, the calendar."""
