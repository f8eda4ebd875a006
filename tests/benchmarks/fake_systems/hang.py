"""Fake system: never returns (it and a child process sleep).

Writes the child's pid to ``$FAKE_PID_FILE`` so a test can check that the
whole process group was killed.
"""

import os
import subprocess
import sys
import time

child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
if os.environ.get("FAKE_PID_FILE"):
    with open(os.environ["FAKE_PID_FILE"], "w") as fh:
        fh.write(str(child.pid))
time.sleep(600)
