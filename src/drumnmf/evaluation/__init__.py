"""Measuring drumnmf: scores, the development corpus, rendered test material and experiments.

* :mod:`~drumnmf.evaluation.metrics`: onset P/R/F per drum and file (mir_eval matching),
  micro and macro aggregates, oracle top-k.
* :mod:`~drumnmf.evaluation.pairing`: pair reference and estimate files and score them.
* :mod:`~drumnmf.evaluation.render`: render drum MIDI with real sample kits, with exact
  reference onsets and calibration hits.
* :mod:`~drumnmf.evaluation.corpus`: the development corpus (rendered Groove MIDI + MDB Drums).
* :mod:`~drumnmf.evaluation.experiments`: named pipeline variants run over a corpus: the
  paper's study and the accuracy report.

The transcription pipeline never imports this package.
"""
