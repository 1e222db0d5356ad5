# Serves config.ru with Puma on 127.0.0.1 and a port the system picks,
# prints "LISTENING <port>" and runs until its standard input is closed.

require 'rack'
require 'puma'
require 'puma/server'

app, = Rack::Builder.parse_file(File.join(__dir__, 'config.ru'))
server = Puma::Server.new(app, Puma::Events.strings, min_threads: 0, max_threads: 8)
listener = server.add_tcp_listener('127.0.0.1', 0)
server.run
$stdout.puts "LISTENING #{listener.addr[1]}"
$stdout.flush
$stdin.read
server.stop(true)
