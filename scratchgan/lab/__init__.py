"""The live page: 2D GAN training you watch and steer in a browser.

* ``settings.py``  what the learner may change, with ranges; one clear error per bad value
* ``datasets.py``  the 2D data sets: ring, grid, line, sine, spiral, and points drawn by hand
* ``loop.py``      Algorithm 1 written out as generators that pause after each call
                   (the page highlights the line that ran)
* ``session.py``   ``LabSession``: the networks, the training and the frames (points,
                   D's heat map, G's manifold, the -dL_G/dx' arrows from ``D.backward``)
* ``chain.py``     one fake point's chain: every layer's value and dL/dh, the arrow checked
                   by finite differences
* ``server.py``    ``LabServer``: a loopback HTTP server (JSON, Server-Sent Events,
                   controls) and the thread that trains
* ``static/``      the page: plain HTML, JavaScript and canvases, no CDN

Run it with ``python demos/live_2d.py``.
"""
from .session import LabSession
from .settings import DEFAULTS, SettingError

__all__ = ["LabSession", "DEFAULTS", "SettingError"]
