"""Showing a transcription: static figures and the interactive HTML report.

* :mod:`~drumnmf.display.images`: drum colours, log-frequency images and template levels,
  with numpy alone; shared by the figures and the report.
* :mod:`~drumnmf.display.plots`: the paper's figures with matplotlib (the ``plot`` extra).
* :mod:`~drumnmf.display.report`: one self-contained HTML page per song; its script and
  style sheet are in ``assets/``.
"""
