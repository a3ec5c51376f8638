// SMSAdapters: one file per provider.
