"""Tiling: tile-constraint descriptions, their cost, and the CP-SAT co-optimisation of tile
sizes with the layer's static L1 allocation. Pure analysis: only `from_graph` reads IR, and
it is not imported here."""
