import os
import sys
from pathlib import Path

SOURCE = Path(os.environ.get("AEGIS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("AEGIS_BUILD_DIR", SOURCE / "build"))
sys.path.insert(0, str(BUILD / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(SOURCE / "tests" / "common"))
