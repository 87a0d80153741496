module stagecraft.example/greeter

go 1.24
