"""Where desk states come from. :class:`~firmware_bridge.sources.base.DeskStateSource` is
the whole interface: MQTT now (:mod:`.mqtt_source`), and any callable or iterator
(:mod:`.polling`) — which is how the store plugs in once it exists: one module whose
``fetch()`` returns the ``desk_states`` rows."""
