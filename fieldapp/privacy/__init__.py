"""Personal data: the data map of every table and column, for the council's DPO."""
