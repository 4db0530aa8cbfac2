from policycli.main import main

main()
