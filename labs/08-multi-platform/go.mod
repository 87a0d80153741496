module stagecraft.example/hello

go 1.24
