# Care for residents who live alone.
care-error-every = Give the days between contacts as a whole number, at least 1.
care-error-every-too-long = That is longer than this level of need allows (a week for high risk, a month for key groups, three months for others).
care-error-consent-who = Consent needs the name of whoever recorded it.
care-error-consent-how = Say how the resident gave consent: in writing, spoken, or by phone.
duty-error-overlap = You are already on a shift at that time.
duty-error-swap-self = Choose someone else to take the shift.
duty-error-swap-team = A shift can only go to a member of the same team.
duty-error-swap-begun = The shift has begun: it can no longer be swapped.
duty-error-minutes = Give the minutes as a whole number, from 1 to 1,440.
duty-error-future = Hours can only be written for work already done.
