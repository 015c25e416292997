"""The photos of a deviation report through the report path (`deviation_report`): wall
time and the worker's peak memory. The probe of issue 9 sent five 60-megapixel PNGs of
under 1 MB each, which took 13 s and 700 MB of a worker's memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms .venv/bin/python benchmarks/photos.py

Needs a unit and a person (`seed_demo --bare` is run when there are none). Makes the
photos once, then runs each case in a fresh process, so that its peak resident memory
(VmHWM of /proc/self/status, Linux: it counts Pillow's pixel buffers, which tracemalloc
does not see) is its own; each report is made in a transaction that is rolled back, its files in a
temporary directory. Prints a Markdown table for the README.

- five 60 MP PNGs (flat RGB, under 1 MB each): refused by the budget of a report in
  pixels (`HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST`) before any is decoded;
- the same five with that budget lifted: each decoded, re-encoded and freed in turn;
- one 60 MP PNG, the largest photo a report takes;
- five phone photos (JPEG, 4032 × 3024, 12 MP, 3-5 MB, with EXIF, GPS, a colour
  profile and a comment), re-encoded from their pixels alone.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from PIL import Image, ImageChops, ImageCms  # noqa: E402

from deviations.models import Identity, Kind  # noqa: E402
from deviations.services.reports import PHOTO_MAX_BYTES, deviation_report  # noqa: E402
from units.models import Unit, User  # noqa: E402

SIDE_60MP = 7745  # 7745 × 7745 = 59.99 MP, just within a photo's limit
PHONE = (4032, 3024)
CASES = {
    "five 60 MP PNGs (under 1 MB each), refused by the budget of a report": (
        ["png60"] * 5,
        {},
    ),
    "the same five, the budget lifted: decoded and re-encoded one at a time": (
        ["png60"] * 5,
        {"HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST": 10**9},
    ),
    "one 60 MP PNG (the largest photo a report takes)": (["png60"], {}),
    "five phone photos (JPEG 4032 × 3024, EXIF, GPS, colour profile, comment)": (
        ["phone"] * 5,
        {},
    ),
}


class Rollback(Exception):
    pass


def make_photos(directory: Path) -> dict[str, int]:
    """The photos, as files in `directory`; their sizes in bytes."""
    Image.new("RGB", (SIDE_60MP, SIDE_60MP), (120, 160, 200)).save(directory / "png60.png")
    noise = Image.effect_noise(PHONE, 12)
    gradient = Image.linear_gradient("L").resize(PHONE)
    phone = Image.merge(
        "RGB", [ImageChops.add(gradient, noise, 2.0), noise, ImageChops.invert(gradient)]
    )
    exif = Image.Exif()
    exif[0x013B] = "Kari Nordmann"  # Artist
    exif[0x0112] = 6  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (63.0, 25.0, 8.0), "E", (10.0, 23.0, 48.0)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    phone.save(
        directory / "phone.jpg",
        quality=92,
        exif=exif,
        icc_profile=profile,
        comment="Kari Nordmann's phone",
    )
    sizes = {p.stem: p.stat().st_size for p in directory.iterdir()}
    assert sizes["png60"] < 1024 * 1024, sizes
    assert sizes["phone"] < PHOTO_MAX_BYTES, sizes
    return sizes


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise KeyError(field)


def _peak_reset() -> float:
    """Sets the peak resident memory (VmHWM) to what is resident now, and returns that.
    (ru_maxrss would not do: a child process starts with its parent's.)"""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def run_case(name: str, directory: Path) -> dict[str, object]:
    """One case in this process: the report made (and rolled back), or refused."""
    photo_names, overrides = CASES[name]
    extensions = {"png60": ".png", "phone": ".jpg"}
    contents = {n: (directory / f"{n}{extensions[n]}").read_bytes() for n in set(photo_names)}
    photos = [
        SimpleUploadedFile(f"{n}-{i}{extensions[n]}", contents[n])
        for i, n in enumerate(photo_names)
    ]
    unit = Unit.objects.valid_on(timezone.localdate()).order_by("pk").first()
    user = User.objects.filter(is_active=True).order_by("pk").first()
    before = _peak_reset()
    outcome = "saved"
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media, **overrides),
        translation.override("en"),
    ):
        start = time.perf_counter()
        try:
            with transaction.atomic():
                deviation_report(
                    user=user,  # type: ignore[arg-type]
                    kind=Kind.EVENT,
                    occurred_at=timezone.now(),
                    unit=unit,
                    description="Benchmark of the photo clean-up.",
                    identity=Identity.NAMED,
                    photos=photos,
                )
                raise Rollback
        except Rollback:
            pass
        except ValidationError as error:
            outcome = f"refused: {' '.join(error.messages)}"
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mb": _status_mb("VmHWM") - before,
        "outcome": outcome,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2], Path(sys.argv[3]))))
        return
    if not (Unit.objects.exists() and User.objects.exists()):
        call_command("seed_demo", "--bare", stdout=io.StringIO())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        sizes = make_photos(directory)
        for name in CASES:
            child = subprocess.run(
                [sys.executable, __file__, "--case", name, str(directory)],
                capture_output=True,
                text=True,
                check=True,
                env=os.environ,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            rows.append((name, result))
    print(
        f"database: {connection.vendor}; a 60 MP PNG is {sizes['png60'] / 1024:.0f} KB, "
        f"a phone photo {sizes['phone'] / 1024 / 1024:.1f} MB"
    )
    print("| photos of one report | time | peak memory of the worker | outcome |")
    print("|---|---|---|---|")
    for name, result in rows:
        outcome = str(result["outcome"])
        print(
            f"| {name} | {result['seconds']:.2f} s | {result['peak_mb']:.0f} MB | "
            f"{outcome if len(outcome) < 60 else outcome[:57] + '...'} |"
        )


if __name__ == "__main__":
    main()
