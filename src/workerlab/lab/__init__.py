"""The lab layer: everything a lesson needs besides its idea.

Sweeps, measurements, explorers' callbacks, plots, demo jobs, process fleets and library
launchers live here, one topic per module. They may import the lesson cores
(``workerlab.pool``, ``workerlab.channel`` …) and the shared leaves; no core imports them.
"""
