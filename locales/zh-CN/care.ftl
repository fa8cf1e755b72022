# 独居老人关爱。
care-error-every = 请用整数填写联系间隔天数，至少 1 天。
care-error-every-too-long = 超过了这一关爱等级允许的间隔（高风险一周，重点人群一个月，其他三个月）。
care-error-consent-who = 记录同意时需要写明由谁记录。
care-error-consent-how = 请写明居民是如何表示同意的：书面、口头或电话。
duty-error-overlap = 您在这个时间已经有班了。
duty-error-swap-self = 请选另一位队员来接这个班。
duty-error-swap-team = 只能换给同一队的队员。
duty-error-swap-begun = 这个班已经开始，不能再换了。
duty-error-minutes = 请用整数填写分钟数，1 到 1440。
duty-error-future = 只能登记已经做过的服务时长。
