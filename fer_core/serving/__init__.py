"""A school, not a room: ``fer serve --replicas N``, several Streamlit processes of the
dashboard on one machine with nginx in front.

- :mod:`.processes`: free ports, health checks, processes started in their own process group
  and stopped with everything they started.
- :mod:`.replicas`: the replicas of ``dashboard/app.py``, each on its own localhost port,
  watched and restarted when one dies or stops answering.
- :mod:`.nginx`: the balancer's configuration (websockets, the upload limit, a sticky cookie
  that works for a whole class behind one address) and nginx itself, unprivileged, in the
  foreground, with its own files in a run folder under the cache.
- :mod:`.school`: the whole: start, watch, stop on Ctrl-C or SIGTERM.

Importing this package imports neither Streamlit nor TensorFlow.
"""
