from policycli.cli import main

main()
