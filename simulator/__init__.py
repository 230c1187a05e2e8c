"""The simulated floor (``floorlight simulate``, and the embedded default's live floor):
agents taking whole calls from a corpus, as call events on MQTT or to an in-process monitor.
It stands beside ``monitor/``: it may use the monitor's MQTT link and event contract, and
nothing in the product imports it except the CLI."""
