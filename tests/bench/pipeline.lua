-- HTTP pipelining for wrk, as in wrk's own scripts/pipeline.lua: every write
-- carries DEPTH requests (default 16) for the URL's path, with the -H headers.
-- wrk parses the string request() returns, expects that many responses before
-- it writes again, and counts each response as one request.
--   wrk -s tests/bench/pipeline.lua URL -- [DEPTH]

local batch

init = function(args)
   local depth = tonumber(args[1]) or 16
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil, wrk.path)
   end
   batch = table.concat(r)
end

request = function()
   return batch
end
