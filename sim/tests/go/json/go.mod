module jsonbot
go 1.24
