-- wrk script: unique website form posts to /contact (what a browser sends), none a double submit.
local counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  counter = counter + 1
  local body = string.format(
    "form=self&locale=en&reporter=self&submission_id=%d-%d&immediate_danger=no&message=bench+form+%d%%3A+he+shouts+most+evenings&safety.methods=email&safety.methods=&safety.email=bench%%40example.org&safety.safe_days=mon&safety.safe_from=09%%3A00&safety.safe_to=17%%3A00&female_officer=yes&survivor.postcode=OX14+3DB",
    math.random(1, 1000000000), counter, counter)
  return wrk.format("POST", "/contact", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
