"""Load shapes, one per file; a suite run names one with ``-f <users>.py,shapes/<shape>.py``."""
