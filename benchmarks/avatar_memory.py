"""Peak memory of avatar uploads decoded at once in one process.

    .venv/bin/python benchmarks/avatar_memory.py SIDE UPLOADS

makes a flat SIDE x SIDE RGBA PNG (a few kB), hands it to the avatar
service from UPLOADS threads at once, as HTTP threads would, and prints the
growth of the process's peak RSS (ru_maxrss). Run it with
MALLOC_MMAP_THRESHOLD_=131072, as the server runs (Dockerfile).
"""

import gc
import io
import os
import resource
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image  # noqa: E402

from accounts.avatars import normalized_avatar  # noqa: E402
from lair.errors import DomainError  # noqa: E402


def main() -> None:
    side, uploads = int(sys.argv[1]), int(sys.argv[2])
    out = io.BytesIO()
    Image.new("RGBA", (side, side), (10, 200, 30, 255)).save(out, format="PNG")
    data = out.getvalue()
    del out
    gc.collect()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused = []

    def upload() -> None:
        try:
            normalized_avatar(SimpleUploadedFile("a.png", data, content_type="image/png"))
        except DomainError as exc:
            refused.append(exc.message)

    threads = [threading.Thread(target=upload) for _ in range(uploads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    print(f"{side}x{side} PNG, {uploads} at once: peak RSS +{grown:.0f} MB, {len(refused)} refused")


if __name__ == "__main__":
    main()
