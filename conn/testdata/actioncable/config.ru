# An ActionCable server without the rest of Rails, for wsdbg's
# interoperability tests: Debian's ruby-actioncable (6.1) with the async
# subscription adapter, mounted at /cable.
#
# A connection is identified by the token query parameter: token=alice
# (or any other name) logs in as that user; no token, or token=bad, is
# rejected as unauthorized, the way reject_unauthorized_connection does.
# Request forgery protection is on, as in a Rails app: the Origin header
# must be http://localhost or http://127.0.0.1 (any port) or the host
# itself; a connection from another origin, or none, is closed with the
# disconnect reason invalid_request.
#
# Channels:
#   ChatChannel    streams "chat"; the action speak broadcasts its data to
#                  the stream; any other message is echoed to the sender
#   SecretChannel  rejects every subscription
#   RestartChannel restarts the server when subscribed to, which closes
#                  every connection with the disconnect reason
#                  server_restart; only with WSDBG_RESTARTABLE=1 in the
#                  environment, so that a shared server is never restarted

require 'logger'
require 'action_cable'

module Wsdbg
  class Connection < ActionCable::Connection::Base
    identified_by :current_user

    def connect
      token = request.params['token']
      reject_unauthorized_connection if token.nil? || token.empty? || token == 'bad'
      self.current_user = token
    end
  end

  class ChatChannel < ActionCable::Channel::Base
    def subscribed
      stream_from 'chat'
    end

    def speak(data)
      ActionCable.server.broadcast('chat', { 'from' => current_user, 'text' => data['text'] })
    end

    def receive(data)
      transmit(data)
    end
  end

  class SecretChannel < ActionCable::Channel::Base
    def subscribed
      reject
    end
  end
end

# The identifier names channels by their Ruby constant.
ChatChannel = Wsdbg::ChatChannel
SecretChannel = Wsdbg::SecretChannel

if ENV['WSDBG_RESTARTABLE'] == '1'
  class RestartChannel < ActionCable::Channel::Base
    def subscribed
      # The restart closes this very connection, so it runs once the
      # subscription's own work is done.
      Thread.new { ActionCable.server.restart }
    end
  end
end

ActionCable.server.config.tap do |c|
  c.cable = { 'adapter' => 'async' }
  c.connection_class = -> { Wsdbg::Connection }
  c.allowed_request_origins = [%r{\Ahttps?://(localhost|127\.0\.0\.1)(:\d+)?\z}]
  c.logger = Logger.new($stderr, level: Logger::WARN)
  c.worker_pool_size = 2
end

map '/cable' do
  run ActionCable.server
end
