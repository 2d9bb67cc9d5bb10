from forensics_cli.cli import main

main()
