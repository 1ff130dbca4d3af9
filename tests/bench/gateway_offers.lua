-- wrk script for tests/bench/gateway_bench.sh: GET one customer's offers
-- per request, customers drawn uniformly from C0000001..C<CUSTOMERS>, over
-- keep-alive connections. PATH_FORMAT picks the endpoint:
--   /v1/customers/%s/offers?numOffers=3    (the annotated Recommend route)
--   /api/recommend?user_id=%s              (the old demo's endpoint)
local customers = tonumber(os.getenv("CUSTOMERS") or "100000")
local format = os.getenv("PATH_FORMAT") or "/v1/customers/%s/offers?numOffers=3"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  local id = string.format("C%07d", math.random(1, customers))
  return wrk.format("GET", string.format(format, id))
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
