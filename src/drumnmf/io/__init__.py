"""Reading and writing files: audio in, annotations in, transcriptions out.

* :mod:`~drumnmf.io.audio`: decode any audio file to mono float samples at the pipeline's rate
  (soundfile, soxr), and write audio atomically.
* :mod:`~drumnmf.io.annotations`: onset annotations of every common drum format, behind one
  :func:`~drumnmf.io.annotations.load_annotations`.
* :mod:`~drumnmf.io.export`: a transcription as CSV, JSON and General MIDI, written atomically.

Nothing here transcribes: these modules only turn files into arrays and back.
"""
