"""Digital bills (电子商业汇票 / 供应链票据): the pure domain of ECDS-style bill packages."""
