module idle
go 1.24
