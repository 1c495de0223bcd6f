"""Locust suites for the platform's AMQP front door, and the runner that starts a throw-away
stack, builds a pre-signed workload, runs the suites and checks the ledger afterwards.

``python loadtests/run.py --help``; see loadtests/README.md.
"""
