"""A deterministic synthetic city modelled on Nantong, for demos and load tests (`gridpatrol seed-demo`)."""
