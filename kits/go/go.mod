// The module path stays fixed whatever the folder is called (lockstep new
// copies this kit under any name); only the output file is named after it.
module lockstep.dev/kit

go 1.24
