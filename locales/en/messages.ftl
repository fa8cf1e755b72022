# Voice messages and text messages

voice-hint = Rather not type? Hold the big button below and speak, up to a minute; or tap once to start and once to stop.
voice-start = 🎙 Hold to speak
voice-stop = ■ Done — tap here
voice-left = Recording, %s seconds left
voice-sending = Saving your recording…
voice-recorded = Recorded (%s). You can listen to it before you send.
voice-kept = Your voice message is kept and will be sent with the form.
voice-failed = The recording was not saved. Please try again, or type.
voice-denied = The microphone cannot be used. Please allow the microphone, or type.
voice-again = Delete and record again
voice-messages = Voice messages
voice-message = Voice message
voice-summary-by = The words above were written by { $name } (staff) from the voice message.
voice-summary-label = Listen, then write in a sentence or two what the resident says
voice-summary-hint = Your words replace "voice message", can be searched, and are marked as yours.
voice-summary-save = Save the summary
summary-required = Please write what this voice message says.
summary-no-voice = This request has no voice message.
event-summarised = Staff wrote a summary of the voice message

recording-error-empty = The recording is empty: no sound was recorded. Please hold the button and speak.
recording-error-too-large = The recording is too large (over 2 MB). Please keep it short, under a minute.
recording-error-too-long = The recording is longer than a minute. Please keep it short.
recording-error-not-audio = This is not a sound recording.
recording-error-video = This recording has pictures; we only take sound. Please record sound only.
recording-error-codec = We cannot play this kind of recording. Please use the record button on this page.
recording-error-unreadable = The recording is incomplete and cannot be read. Please record again.
recording-error-gone = Your voice message has expired. Please record it again.
field-phone-for-text = We need your mobile number to send you text messages.
field-phone-not-mobile = This number cannot receive text messages (it looks like a landline). Please give a mobile number, or choose another way.
contact-text = Send me text messages
