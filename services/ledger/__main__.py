from services.ledger.cli import main

main()
