"""What the report embeds, encoded for a page: palette PNG images, Ogg/Vorbis audio, assets.

No dependency beyond zlib for the images and soundfile (libsndfile) for the audio.
"""

from __future__ import annotations

import io
import struct
import zlib
from importlib import resources

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = ["AUDIO_RATE", "asset", "encode_audio", "encode_png", "palette"]

AUDIO_RATE = 22050  # Hz: rate of the embedded audio
_VORBIS_BLOCK = 16384  # samples per write to the Ogg/Vorbis encoder

# The "magma" colour map (as in the figures) at 17 evenly spaced levels.
_MAGMA = np.array(
    [
        (0, 0, 4),
        (10, 8, 34),
        (29, 17, 71),
        (54, 16, 107),
        (81, 18, 124),
        (106, 28, 129),
        (131, 38, 129),
        (156, 46, 127),
        (183, 55, 121),
        (208, 65, 111),
        (231, 82, 99),
        (245, 107, 92),
        (252, 137, 97),
        (254, 167, 114),
        (254, 196, 136),
        (253, 226, 163),
        (252, 253, 191),
    ],
    dtype=np.float64,
)


def palette() -> np.ndarray:
    """The magma colour map at 256 levels, RGB 0-255, shape (256, 3)."""
    levels = np.linspace(0, 1, _MAGMA.shape[0])
    x = np.linspace(0, 1, 256)
    return np.stack([np.interp(x, levels, _MAGMA[:, k]) for k in range(3)], axis=1).round()


def encode_png(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """Encode an 8-bit palette image as PNG (no dependency beyond zlib).

    Parameters
    ----------
    indices : np.ndarray [shape=(height, width), dtype=uint8]
        Palette index of each pixel, row 0 at the top.
    palette : np.ndarray [shape=(n_colors, 3)]
        RGB colours, 0-255, ``n_colors <= 256``.

    Returns
    -------
    bytes
        The PNG file.
    """
    img = np.asarray(indices)
    pal = np.asarray(palette)
    if img.ndim != 2 or img.dtype != np.uint8 or 0 in img.shape:
        raise DrumnmfError(
            f"indices must be a non-empty 2-D uint8 array, got {img.dtype} {img.shape}"
        )
    if pal.ndim != 2 or pal.shape[1] != 3 or not 1 <= pal.shape[0] <= 256:
        raise DrumnmfError(f"palette must have shape (n_colors <= 256, 3), got {pal.shape}")
    height, width = img.shape
    # Filter "Sub" on every row: spectrogram rows change slowly, so differences compress.
    sub = np.diff(img, axis=1, prepend=np.uint8(0))
    raw = np.hstack([np.ones((height, 1), dtype=np.uint8), sub]).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
            chunk(b"PLTE", np.clip(pal, 0, 255).astype(np.uint8).tobytes()),
            chunk(b"IDAT", zlib.compress(raw, 9)),
            chunk(b"IEND", b""),
        ]
    )


def encode_audio(samples: np.ndarray, sample_rate: int = AUDIO_RATE) -> tuple[str, bytes]:
    """Compress mono samples for embedding in a page, as Ogg/Vorbis (libsndfile's default quality).

    Parameters
    ----------
    samples : np.ndarray [shape=(n_samples,)]
        Mono audio in [-1, 1] (clipped).
    sample_rate : int > 0
        Their rate in Hz.

    Returns
    -------
    mime : str
        The MIME type, ``"audio/ogg"`` (every current browser plays Ogg/Vorbis).
    data : bytes
        The file.
    """
    import soundfile as sf

    x = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    buf = io.BytesIO()
    try:
        with sf.SoundFile(buf, "w", int(sample_rate), 1, format="OGG", subtype="VORBIS") as out:
            # Small blocks: libvorbis allocates a whole write on the stack and crashes
            # (segfault) on a single write of more than about a minute of audio.
            for i in range(0, x.size, _VORBIS_BLOCK):
                out.write(x[i : i + _VORBIS_BLOCK])
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise DrumnmfError(
            f"cannot encode the audio as Ogg/Vorbis ({exc}); upgrade soundfile (>= 0.12)"
        ) from exc
    return "audio/ogg", buf.getvalue()


def asset(name: str) -> str:
    """The text of a file of ``drumnmf/display/assets`` (a script or style of the page)."""
    return resources.files("drumnmf").joinpath(f"display/assets/{name}").read_text(encoding="utf-8")
