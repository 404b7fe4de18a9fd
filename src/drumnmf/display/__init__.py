"""Showing a transcription: static figures and the interactive HTML report.

* :mod:`~drumnmf.display.plots`: the paper's figures with matplotlib (the ``plot`` extra),
  and the log-frequency image shared with the report.
* :mod:`~drumnmf.display.report`: one self-contained HTML page per song; its script and
  style sheet are in ``assets/``.
"""
