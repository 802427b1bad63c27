# Regenerates the R reference fixtures for internal/forecast method tests:
#   Rscript gen_r_fixtures.R   (R 4.x, forecast 8.20 used for the committed files)
suppressMessages(library(forecast))
library(jsonlite)
h <- 12
d <- read.csv("../../../../../shared/data/hospital_long.csv")
pick <- function(id, n) as.numeric(d$value[d$series == id])[1:n]
set.seed(42)
series <- list(
  hosp_seasonal_72 = list(y = pick("H001", 72), m = 12),
  hosp_seasonal_48 = list(y = pick("H010", 48), m = 12),
  hosp_trend_60 = list(y = pick("H100", 60), m = 12),
  hosp_theta_seasonal_72 = list(y = pick("H035", 72), m = 12),
  hosp_theta_seasonal_60 = list(y = pick("H047", 60), m = 12),
  airpassengers_144 = list(y = as.numeric(AirPassengers), m = 12),
  ukgas_quarterly_108 = list(y = as.numeric(UKgas), m = 4),
  synthetic_trend_30 = list(y = round(50 + 1.5 * (1:30) + rnorm(30, 0, 4), 2), m = 1),
  synthetic_level_24 = list(y = round(100 + cumsum(rnorm(24, 0, 3)), 2), m = 1),
  intermittent_36 = list(y = c(0,0,3,0,0,0,5,0,1,0,0,0,0,4,0,0,2,0,0,0,7,0,0,1,0,0,0,0,3,0,0,6,0,0,0,2), m = 1)
)
out <- list()
for (nm in names(series)) {
  s <- series[[nm]]
  y <- ts(s$y, frequency = s$m)
  r <- list(y = s$y, m = s$m, h = h)
  f <- ets(y, model = "ANN"); r$ets_ANN <- list(mean = as.numeric(forecast(f, h = h)$mean), par = as.list(f$par), aicc = f$aicc)
  f <- ets(y, model = "AAN", damped = TRUE); r$ets_AAdN <- list(mean = as.numeric(forecast(f, h = h)$mean), par = as.list(f$par), aicc = f$aicc)
  if (s$m > 1) {
    f <- ets(y, model = "AAA", damped = FALSE); r$ets_AAA <- list(mean = as.numeric(forecast(f, h = h)$mean), par = as.list(f$par), aicc = f$aicc)
    if (min(s$y) > 0) {
      f <- ets(y, model = "MAM", damped = FALSE); r$ets_MAM <- list(mean = as.numeric(forecast(f, h = h)$mean), par = as.list(f$par), aicc = f$aicc)
    }
  }
  if (min(s$y) > 0 || TRUE) {
    f <- ets(y); r$ets_auto <- list(mean = as.numeric(forecast(f, h = h)$mean), method = f$method, aicc = f$aicc)
  }
  r$thetaf <- list(mean = as.numeric(thetaf(y, h = h)$mean))
  r$naive <- list(mean = as.numeric(naive(y, h = h)$mean), sigma = as.numeric((naive(y, h = h, level = 80)$upper - naive(y, h = h)$mean) / qnorm(0.9)))
  if (s$m > 1) r$snaive <- list(mean = as.numeric(snaive(y, h = h)$mean))
  r$meanf <- list(mean = as.numeric(meanf(y, h = h)$mean), sigma = as.numeric((meanf(y, h = h, level = 80)$upper - meanf(y, h = h)$mean) / qt(0.9, length(y) - 1)))
  if (sum(s$y != 0) >= 2) {
    r$croston_0.1 <- list(mean = as.numeric(croston(y, h = h, alpha = 0.1)$mean))
  }
  out[[nm]] <- r
}
writeLines(toJSON(out, digits = 10, auto_unbox = TRUE, pretty = TRUE), "r_reference.json")
