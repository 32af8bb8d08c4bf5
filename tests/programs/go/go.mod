module umbra.test/programs

go 1.19
